import threading
import time

WORKERS = 5  # how many threads want to get in
SLOTS = 2  # how many may be inside at once
WORK = 0.1  # seconds each one stays inside

slots = threading.Semaphore(SLOTS)  # a counter that starts at SLOTS


def work():
    name = threading.current_thread().name
    with slots:  # acquire() takes one off; if it is already 0, wait until someone leaves
        print(f"{name} enters")
        time.sleep(WORK)
        print(f"{name} leaves and frees its slot")
    # leaving the with, release() adds one back and wakes a thread that was waiting


threads = [threading.Thread(target=work, name=f"Worker-{i + 1}") for i in range(WORKERS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
