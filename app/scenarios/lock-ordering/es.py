import threading
import time

PAUSE = 0.1  # tiempo con el primer candado antes de pedir el segundo

lock_1 = threading.Lock()
lock_2 = threading.Lock()


def tomar_los_dos(primero, segundo):
    nombre = threading.current_thread().name
    with primero:  # quien llega segundo espera aquí, sin tener ningún candado
        print(f"{nombre} tomó su primer candado")
        time.sleep(PAUSE)
        print(f"{nombre} pide el segundo candado...")
        with segundo:  # libre: nadie puede tenerlo sin haber tomado antes el primero
            print(f"{nombre} tiene los dos")


# El arreglo: los dos hilos piden los candados en el mismo orden
hilo_1 = threading.Thread(target=tomar_los_dos, args=(lock_1, lock_2), name="Hilo-1")
hilo_2 = threading.Thread(target=tomar_los_dos, args=(lock_1, lock_2), name="Hilo-2")
hilo_1.start()
hilo_2.start()
hilo_1.join()
hilo_2.join()
print("Los dos terminaron: sin interbloqueo")
