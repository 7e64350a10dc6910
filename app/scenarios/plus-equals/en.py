import threading

THREADS = 4  # how many threads add at the same time
ITERATIONS = 2000  # how many times each thread adds 1
USE_LOCK = False  # with True, the lock keeps each += whole

counter = 0
lock = threading.Lock()  # only used when USE_LOCK is True


def thread_function():
    global counter
    for _ in range(ITERATIONS):
        if USE_LOCK:
            with lock:
                counter += 1
        else:
            counter += 1  # read, add, write: three steps, and no pause between them


threads = [threading.Thread(target=thread_function, name=f"Thread-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"Total: {counter}; expected: {THREADS * ITERATIONS}")
