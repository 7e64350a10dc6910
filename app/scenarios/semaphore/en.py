import threading
import time

WORKERS = 5  # how many threads want to get in
SLOTS = 2  # how many may be inside at once
WORK = 0.1  # seconds each one stays inside

slots = threading.Semaphore(SLOTS)


def print_job():
    name = threading.current_thread().name
    with slots:  # take one of the keys; if none is left, wait
        print(f"{name} enters")
        time.sleep(WORK)
        print(f"{name} leaves")


threads = [threading.Thread(target=print_job, name=f"Thread-{i + 1}") for i in range(WORKERS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
