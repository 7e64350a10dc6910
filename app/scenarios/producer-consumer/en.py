import threading
import time
from queue import Queue

ITEMS = 4  # how many items the producer makes
PRODUCE_TIME = 0.05  # seconds to make each one
CONSUME_TIME = 0.08  # seconds to process each one

work_queue = Queue()


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
        work_queue.task_done()  # tell the queue this item is done


threading.Thread(target=consume, name="Consumer", daemon=True).start()
producer = threading.Thread(target=produce, name="Producer")
producer.start()
producer.join()
work_queue.join()  # wait until every item put has had its task_done()
print("All processed")
