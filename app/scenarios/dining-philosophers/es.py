import threading
import time

PHILOSOPHERS = 5  # cuántos filósofos (y tenedores) hay en la mesa
ORDERED = False  # True: cada uno toma primero el tenedor de número menor

tenedores = [threading.Lock() for _ in range(PHILOSOPHERS)]  # uno entre cada dos filósofos


def filosofo(i):
    nombre = threading.current_thread().name
    # El tenedor i está a su izquierda y el siguiente a su derecha (la mesa es redonda)
    primero, segundo = i, (i + 1) % PHILOSOPHERS
    if ORDERED:
        # Un orden global rompe el ciclo: el último filósofo pide primero el tenedor 0
        primero, segundo = min(primero, segundo), max(primero, segundo)
    with tenedores[primero]:
        print(f"{nombre} tomó el tenedor {primero}")
        time.sleep(0.1)  # piensa un momento: tiempo para que todos tomen su primer tenedor
        print(f"{nombre} espera el tenedor {segundo}")
        with tenedores[segundo]:
            print(f"{nombre} come")
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
