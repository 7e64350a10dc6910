import threading
import time

THREADS = 3  # how many threads add at the same time
ITERATIONS = 3  # how many times each thread adds 1
HOLD = 0.02  # seconds each thread keeps the lock

counter = 0
lock = threading.Lock()  # the lock must be shared by every thread


def add_with_acquire():
    global counter
    name = threading.current_thread().name
    for _ in range(ITERATIONS):
        lock.acquire()  # take the lock: only its holder goes on
        seen = counter
        time.sleep(HOLD)  # nobody else can read meanwhile: the others wait
        counter = seen + 1
        print(f"{name} (acquire): {counter}")
        lock.release()  # let it go: free for another thread
        time.sleep(0.01)  # work without the lock: lets another thread take it


def add_with_with():
    global counter
    name = threading.current_thread().name
    for _ in range(ITERATIONS):
        with lock:  # the same, and it is released on leaving the block, even on an error
            seen = counter
            time.sleep(HOLD)
            counter = seen + 1
            print(f"{name} (with): {counter}")
        time.sleep(0.01)


threads = []
for i in range(THREADS):
    function = add_with_acquire if i % 2 == 0 else add_with_with
    threads.append(threading.Thread(target=function, name=f"Thread-{i + 1}"))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"Total: {counter}; expected: {THREADS * ITERATIONS}")
