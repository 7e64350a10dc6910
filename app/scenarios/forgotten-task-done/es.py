import threading
import time
from queue import Queue

ITEMS = 3  # cuántos elementos se ponen en la cola
CALL_TASK_DONE = False  # ¿el consumidor confirma cada elemento?

cola = Queue()


def consumir():
    while True:  # nunca sale del bucle: siempre espera el próximo elemento
        elemento = cola.get()
        time.sleep(0.05)
        print(f"Consumidor procesó {elemento}")
        if CALL_TASK_DONE:
            cola.task_done()  # sin esta línea, join() espera para siempre


for i in range(ITEMS):
    cola.put(f"tarea-{i + 1}")
# Es daemon solo en la versión correcta, para que el programa pueda terminar
threading.Thread(target=consumir, name="Consumidor", daemon=CALL_TASK_DONE).start()
cola.join()  # vuelve cuando cada put() tenga su task_done()
print("Todas las tareas terminadas")
