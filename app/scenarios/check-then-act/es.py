import threading
import time

THREADS = 2  # cuántos hilos retiran de la misma cuenta
AMOUNT = 80  # cuánto quiere retirar cada hilo
PAUSE = 0.01  # segundos entre comprobar el saldo y retirar
USE_LOCK = False  # con True, el candado mantiene juntas la comprobación y la retirada

saldo = 100  # la cuenta que comparten todos los hilos
candado = threading.Lock()  # solo se usa si USE_LOCK es True


def retirar():
    global saldo
    nombre = threading.current_thread().name
    if USE_LOCK:
        candado.acquire()
    visto = saldo
    if visto >= AMOUNT:  # 1. comprobar: ¿hay dinero suficiente?
        print(f"{nombre} ve {visto}: alcanza para retirar {AMOUNT}")
        time.sleep(PAUSE)  # otro hilo puede comprobar justo aquí y ver el mismo saldo
        saldo -= AMOUNT  # 2. actuar: retirar, confiando en una comprobación quizá caducada
        print(f"{nombre} retira {AMOUNT}")
    else:
        print(f"{nombre} ve {visto}: no alcanza para retirar {AMOUNT}")
    if USE_LOCK:
        candado.release()


print(f"Saldo inicial: {saldo}")
hilos = [threading.Thread(target=retirar, name=f"Hilo-{i + 1}") for i in range(THREADS)]
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
print(f"Saldo final: {saldo}")
