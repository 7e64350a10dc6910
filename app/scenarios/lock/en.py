import threading
import time

THREADS = 3  # how many threads add at the same time
ITERATIONS = 3  # how many times each thread adds 1
HOLD = 0.02  # seconds each thread keeps the lock

counter = 0
lock_1 = threading.Lock()  # the lock must be shared by every thread


def add_with_acquire():
    global counter
    for _ in range(ITERATIONS):
        lock_1.acquire()  # take the lock: only its holder goes on
        seen = counter
        time.sleep(HOLD)
        counter = seen + 1
        lock_1.release()  # let it go: free for another thread


def add_with_with():
    global counter
    for _ in range(ITERATIONS):
        with lock_1:  # the same, and no need to release it by hand
            seen = counter
            time.sleep(HOLD)
            counter = seen + 1


threads = []
for i in range(THREADS):
    function = add_with_acquire if i % 2 == 0 else add_with_with
    threads.append(threading.Thread(target=function, name=f"Thread-{i + 1}"))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"Total: {counter}; expected: {THREADS * ITERATIONS}")
