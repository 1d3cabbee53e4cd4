# src/crawler/local.mk — revlens-crawler and revlens-replay-crawler (libcurl).
