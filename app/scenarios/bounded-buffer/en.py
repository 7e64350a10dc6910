import threading
import time
from queue import Queue

MAXSIZE = 2  # how many items fit in the queue
ITEMS = 6  # how many items the producer makes
CONSUME_TIME = 0.08  # the consumer is slower than the producer

buffer = Queue(maxsize=MAXSIZE)  # bounded: it cannot grow forever


def produce():
    for i in range(ITEMS):
        buffer.put(i + 1)  # if the queue is full, wait until the consumer makes room
        print(f"Producer put {i + 1}; the queue holds {buffer.qsize()}")
    buffer.put(None)  # None tells the consumer nothing more is coming
    print("Producer finished")


def consume():
    while True:
        item = buffer.get()  # each get() frees a place for the producer
        if item is None:
            break
        time.sleep(CONSUME_TIME)
        print(f"Consumer processed {item}")


producer = threading.Thread(target=produce, name="Producer")
consumer = threading.Thread(target=consume, name="Consumer")
producer.start()
consumer.start()
producer.join()
consumer.join()
