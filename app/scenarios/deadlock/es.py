import threading
import time

PAUSE = 0.1  # tiempo con el primer candado antes de pedir el segundo

lock_1 = threading.Lock()
lock_2 = threading.Lock()


def tomar_los_dos(primero, segundo):
    nombre = threading.current_thread().name
    with primero:
        print(f"{nombre} tomó su primer candado")
        time.sleep(PAUSE)  # mientras tanto, el otro hilo suele tomar el suyo
        print(f"{nombre} pide el segundo candado...")
        with segundo:  # si el otro hilo lo tiene, espera el que tengo yo: ninguno sigue
            print(f"{nombre} tiene los dos")


# Los dos hilos piden los mismos candados, pero en orden contrario
hilo_1 = threading.Thread(target=tomar_los_dos, args=(lock_1, lock_2), name="Hilo-1")
hilo_2 = threading.Thread(target=tomar_los_dos, args=(lock_2, lock_1), name="Hilo-2")
hilo_1.start()
hilo_2.start()
hilo_1.join()
hilo_2.join()
print("Esto solo se imprime si no hubo interbloqueo")
