import threading
import time
from queue import Queue

ITEMS = 3  # cuántos elementos se ponen en la cola
CALL_TASK_DONE = False  # ¿el consumidor confirma cada elemento con task_done()?

cola = Queue()


def consumir():
    while True:
        elemento = cola.get()  # cuando la cola se vacíe, se queda esperando aquí
        time.sleep(0.05)
        print(f"Consumidor procesó {elemento}")
        if CALL_TASK_DONE:
            cola.task_done()  # sin esta línea, la cola cree que el trabajo sigue pendiente


for i in range(ITEMS):
    cola.put(f"tarea-{i + 1}")  # cada put() suma una tarea pendiente
threading.Thread(target=consumir, name="Consumidor", daemon=True).start()
cola.join()  # solo vuelve cuando no quede ninguna tarea pendiente
print("Todas las tareas terminadas")
