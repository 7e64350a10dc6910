import threading
import time

STEPS = 3  # how many times each thread says hello
PAUSE = 0.05  # seconds between greetings


class MyThread(threading.Thread):
    def __init__(self, thread_name, times):  # take whatever arguments you need
        super().__init__(name=thread_name)  # the thread's custom name
        self.times = times

    def run(self):  # what the thread does once start() is called
        for step in range(self.times):
            print(f"{self.name}: step {step + 1}")
            time.sleep(PAUSE)


thread_1 = MyThread("Tortoise", STEPS)
thread_2 = MyThread("Hare", STEPS)
thread_1.start()  # start() creates the thread; the new thread is the one that calls run()
thread_2.start()
thread_1.join()
thread_2.join()
print("Both threads finished")
