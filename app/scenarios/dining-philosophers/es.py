import threading
import time

PHILOSOPHERS = 5  # cuántos filósofos (y tenedores) hay en la mesa
ORDERED = False  # True: cada uno toma primero el tenedor de número menor

tenedores = [threading.Lock() for _ in range(PHILOSOPHERS)]


def filosofo(i):
    izquierdo, derecho = i, (i + 1) % PHILOSOPHERS
    if ORDERED:
        izquierdo, derecho = min(izquierdo, derecho), max(izquierdo, derecho)
    with tenedores[izquierdo]:
        print(f"Filósofo-{i + 1} tomó el tenedor {izquierdo}")
        time.sleep(0.1)  # piensa un momento: tiempo para que todos tomen su primer tenedor
        with tenedores[derecho]:
            print(f"Filósofo-{i + 1} come")
            time.sleep(0.05)


hilos = [
    threading.Thread(target=filosofo, args=(i,), name=f"Filósofo-{i + 1}")
    for i in range(PHILOSOPHERS)
]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print("Todos comieron")
