import threading
import time
from queue import Queue

ITEMS = 3  # how many items are put in the queue
CALL_TASK_DONE = False  # does the consumer acknowledge each item with task_done()?

tasks = Queue()


def consume():
    while True:
        item = tasks.get()  # once the queue is empty, it waits here
        time.sleep(0.05)
        print(f"Consumer processed {item}")
        if CALL_TASK_DONE:
            tasks.task_done()  # without this line, the queue thinks the work is still pending


for i in range(ITEMS):
    tasks.put(f"task-{i + 1}")  # each put() adds one pending task
threading.Thread(target=consume, name="Consumer", daemon=True).start()
tasks.join()  # only returns when no task is left pending
print("All tasks done")
