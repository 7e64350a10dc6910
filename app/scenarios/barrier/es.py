import random
import threading
import time

THREADS = 3  # cuántos hilos se encuentran en la barrera

barrera = threading.Barrier(THREADS)  # se abre cuando llegan todos


def excursionista():
    nombre = threading.current_thread().name
    time.sleep(random.uniform(0.02, 0.3))  # cada uno tarda distinto en llegar
    print(f"{nombre} llegó al refugio")
    turno = barrera.wait()  # espera a que lleguen todos
    print(f"{nombre} sigue subiendo (turno {turno})")


hilos = [threading.Thread(target=excursionista, name=f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print("Todos pasaron la barrera juntos")
