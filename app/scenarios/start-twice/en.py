import threading
import time


def greet():
    print(f"Hello from {threading.current_thread().name}")
    time.sleep(0.05)


thread = threading.Thread(target=greet, name="Thread-1")
thread.start()
thread.join()

try:
    thread.start()  # each Thread instance can be started only once
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# To repeat the work, create a new thread
another = threading.Thread(target=greet, name="Thread-2")
another.start()
another.join()
