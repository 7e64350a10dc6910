import threading
import time

THREADS = 3  # how many MyThread instances are created
WORK = 0.05  # seconds each thread spends inside the protected section
SHARED = True  # False: each instance makes its own lock in __init__


class MyThread(threading.Thread):
    # Created once, when the class is defined: every instance shares this one lock
    lock = threading.Lock()
    # Also the class's: how many threads went through the protected section
    passed = 0

    def __init__(self, thread_name):
        super().__init__(name=thread_name)
        if not SHARED:
            # An instance attribute hides the class one: each thread would have its own
            self.lock = threading.Lock()

    def run(self):
        with self.lock:  # if another instance holds it, this thread waits its turn
            print(f"{self.name} enters the protected section")
            seen = MyThread.passed  # read...
            time.sleep(WORK)
            MyThread.passed = seen + 1  # ...and write, with nobody getting in between
            print(f"{self.name} leaves")


threads = [MyThread(f"Thread-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"{MyThread.passed} threads went through; expected {THREADS}")
