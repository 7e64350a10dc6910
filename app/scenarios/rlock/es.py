import threading
import time

USE_RLOCK = True  # con False, un Lock normal: el hilo se bloquea a sí mismo

candado = threading.RLock() if USE_RLOCK else threading.Lock()
saldo = 0


def registrar(monto):
    with candado:  # lo pide otra vez el mismo hilo que ya lo tiene
        print(f"{threading.current_thread().name} registra {monto} (candado tomado dos veces)")


def depositar(monto):
    global saldo
    with candado:
        print(f"{threading.current_thread().name} toma el candado y deposita {monto}")
        saldo += monto
        time.sleep(0.05)
        registrar(monto)  # llama a otra función protegida sin soltar el candado
    # Aquí el candado queda libre: se soltó tantas veces como se tomó


hilo_1 = threading.Thread(target=depositar, args=(100,), name="Hilo-1")
hilo_2 = threading.Thread(target=depositar, args=(50,), name="Hilo-2")
hilo_1.start()
hilo_2.start()
hilo_1.join()
hilo_2.join()
print(f"Saldo final: {saldo}")
