import threading
import time

WORK = 0.3  # segundos que trabaja cada hilo
JOIN_TIMEOUT = 0.1  # lo máximo que el flujo principal espera al segundo hilo


def trabajar():
    print(f"{threading.current_thread().name} empieza a trabajar")
    time.sleep(WORK)
    print(f"{threading.current_thread().name} terminó")


hilo_1 = threading.Thread(target=trabajar, name="Hilo-1")
hilo_1.start()
print(f"¿Hilo-1 está vivo? {hilo_1.is_alive()}")
hilo_1.join()  # el flujo principal se pausa hasta que termine Hilo-1
print(f"Después de join(): ¿Hilo-1 está vivo? {hilo_1.is_alive()}")

# Hilo-2 se crea recién ahora, así que no puede empezar antes de que Hilo-1 termine
hilo_2 = threading.Thread(target=trabajar, name="Hilo-2")
hilo_2.start()
hilo_2.join(timeout=JOIN_TIMEOUT)  # vuelve al cumplirse el plazo, termine o no el hilo
print(f"Después de join(timeout): ¿Hilo-2 está vivo? {hilo_2.is_alive()}")
hilo_2.join()
print("Fin del programa")
