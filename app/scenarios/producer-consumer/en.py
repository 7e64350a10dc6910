import threading
import time
from queue import Queue

ITEMS = 4  # how many items the producer makes
PRODUCE_TIME = 0.05  # seconds to make each one
CONSUME_TIME = 0.08  # seconds to process each one

work_queue = Queue()  # it has its own lock inside: put() and get() are thread-safe


def produce():
    for i in range(ITEMS):
        time.sleep(PRODUCE_TIME)
        item = f"bread-{i + 1}"
        work_queue.put(item)  # add the item to the queue
        print(f"Producer put {item}")


def consume():
    while True:
        item = work_queue.get()  # take an item; if there is none, wait until there is
        time.sleep(CONSUME_TIME)
        print(f"Consumer processed {item}")
        work_queue.task_done()  # one less pending: when none are left, join() returns


# A daemon: its loop never ends, and this way the program can finish without waiting for it
threading.Thread(target=consume, name="Consumer", daemon=True).start()
producer = threading.Thread(target=produce, name="Producer")
producer.start()
producer.join()  # everything has been put, but maybe not processed yet
work_queue.join()  # wait until every item put has had its task_done()
print("All processed")
