# src/worker/local.mk — revlens-worker, the analysis worker (docs/worker.md), and its tests.
