import threading
import time

STEPS = 3  # how many steps the working thread takes


class GoodThread(threading.Thread):
    def __init__(self, thread_name):
        super().__init__(name=thread_name)

    def run(self):  # at the level of __init__: a method, it replaces Thread's run()
        for step in range(STEPS):
            print(f"{self.name}: step {step + 1}")
            time.sleep(0.05)


class BrokenThread(threading.Thread):
    def __init__(self, thread_name):
        super().__init__(name=thread_name)

        def run(self):  # indented inside __init__: a local function nobody calls
            for step in range(STEPS):
                print(f"{self.name}: step {step + 1}")
                time.sleep(0.05)


good = GoodThread("GoodThread")
broken = BrokenThread("BrokenThread")
good.start()
broken.start()  # runs Thread's own run(), which does nothing without a target
good.join()
broken.join()
print("Both finished, but only one did any work")
