import threading
import time
from queue import Queue

ITEMS = 3  # how many items are put in the queue
CALL_TASK_DONE = False  # does the consumer acknowledge each item?

tasks = Queue()


def consume():
    while True:  # never leaves the loop: always waits for the next item
        item = tasks.get()
        time.sleep(0.05)
        print(f"Consumer processed {item}")
        if CALL_TASK_DONE:
            tasks.task_done()  # without this line, join() waits forever


for i in range(ITEMS):
    tasks.put(f"task-{i + 1}")
# A daemon only in the correct version, so that the program can end
threading.Thread(target=consume, name="Consumer", daemon=CALL_TASK_DONE).start()
tasks.join()  # returns once every put() has had its task_done()
print("All tasks done")
