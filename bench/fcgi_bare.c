/* fcgi_bare.c — the smallest libfcgi responder (N pre-forked processes on one
 * socket, a fixed 45-byte JSON body), the ceiling bench/web.sh compares
 * revlens-web against. Not part of the product.
 * usage: fcgi_bare SOCKET NPROC */
#include <fcgiapp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char head[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 45\r\n\r\n";
	static const char body[] = "{\"name\":\"revlens\",\"version\":\"0.1.0\",\"api\":1}\n";
	FCGX_Request r;
	int fd, n;

	if (argc != 3 || (n = atoi(argv[2])) < 1)
		return 2;
	FCGX_Init();
	unlink(argv[1]);
	if ((fd = FCGX_OpenSocket(argv[1], 1024)) < 0)
		return 1;
	chmod(argv[1], 0660);
	for (int i = 1; i < n; i++)
		if (fork() == 0)
			break;
	FCGX_InitRequest(&r, fd, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(head, sizeof(head) - 1, r.out);
		FCGX_PutStr(body, sizeof(body) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
