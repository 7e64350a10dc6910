import threading
import time

THREADS = 3  # how many threads add at the same time
ITERATIONS = 4  # how many times each thread adds 1
USE_LOCK = False  # with True, the lock protects read-compute-write

counter = 0
lock = threading.Lock()  # only used when USE_LOCK is True


def thread_function():
    global counter
    name = threading.current_thread().name
    for _ in range(ITERATIONS):
        if USE_LOCK:
            lock.acquire()
        seen = counter  # 1. read
        print(f"{name} reads {seen}")
        time.sleep(0.01)  # another thread may run right here and read the same value
        counter = seen + 1  # 2 and 3. compute and write: overwrites what another wrote
        print(f"{name} writes {counter}")
        if USE_LOCK:
            lock.release()


threads = [threading.Thread(target=thread_function, name=f"Thread-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"Total: {counter}; expected: {THREADS * ITERATIONS}")
