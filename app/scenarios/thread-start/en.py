import threading
import time

PAUSE = 0.1  # seconds between creating the thread and starting it


def thread_function():
    # current_thread() returns the thread running this line, not the one that created it
    name = threading.current_thread().name
    print(f"Hello from {name}")
    time.sleep(0.05)
    print(f"{name} is done")


# Creating the thread does not run it: it only sets up what it will do and its name
thread = threading.Thread(target=thread_function, name="Thread-1")
print(f"Thread created; is it alive? {thread.is_alive()}")
time.sleep(PAUSE)

thread.start()  # only now does it start running, alongside the main flow
print(f"This is printed by {threading.current_thread().name}")
thread.join()
print("End of the program")
