import threading
import time
from queue import Queue

MAXSIZE = 2  # cuántos elementos caben en la cola
ITEMS = 6  # cuántos elementos fabrica el productor
CONSUME_TIME = 0.08  # el consumidor es más lento que el productor

cola = Queue(maxsize=MAXSIZE)  # con límite: no puede crecer sin fin


def producir():
    for i in range(ITEMS):
        cola.put(i + 1)  # si la cola está llena, espera a que el consumidor haga lugar
        print(f"Productor puso {i + 1}; en la cola hay {cola.qsize()}")
    cola.put(None)  # None avisa al consumidor que no vendrá nada más
    print("Productor terminó")


def consumir():
    while True:
        elemento = cola.get()  # cada get() deja un lugar libre para el productor
        if elemento is None:
            break
        time.sleep(CONSUME_TIME)
        print(f"Consumidor procesó {elemento}")


productor = threading.Thread(target=producir, name="Productor")
consumidor = threading.Thread(target=consumir, name="Consumidor")
productor.start()
consumidor.start()
productor.join()
consumidor.join()
