import random
import threading
import time

THREADS = 3  # cuántos hilos se encuentran en la barrera


def abrir():
    print("Llegaron todos: la barrera se abre")  # lo ejecuta el último en llegar


barrera = threading.Barrier(THREADS, action=abrir)  # se abre cuando llegan THREADS hilos


def excursionista():
    nombre = threading.current_thread().name
    time.sleep(random.uniform(0.02, 0.3))  # cada uno tarda distinto en llegar
    print(f"{nombre} llegó al refugio")
    turno = barrera.wait()  # espera aquí hasta que lleguen todos
    print(f"{nombre} sigue subiendo (wait devolvió {turno})")


hilos = [
    threading.Thread(target=excursionista, name=f"Excursionista-{i + 1}")
    for i in range(THREADS)
]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print("Todos pasaron la barrera")
