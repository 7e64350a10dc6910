import threading
import time

THREADS = 3  # how many MyThread instances are created
SHARED = True  # False: each instance makes its own lock in __init__


class MyThread(threading.Thread):
    lock = threading.Lock()  # class attribute: one for all instances

    def __init__(self, thread_name):
        super().__init__(name=thread_name)
        if not SHARED:
            self.lock = threading.Lock()  # one per instance: it protects nothing

    def run(self):
        with self.lock:  # self.lock looks in the instance first, then in the class
            print(f"{self.name} enters the protected section")
            time.sleep(0.05)
            print(f"{self.name} leaves")


threads = [MyThread(f"Thread-{i + 1}") for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
