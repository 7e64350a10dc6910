import threading
import time

NORMAL_WORK = 0.3  # segundos que trabaja el hilo normal


def vigilar():
    ronda = 0
    while True:  # un bucle sin fin: solo puede terminar porque es daemon
        ronda += 1
        print(f"Vigilante: ronda {ronda}")
        time.sleep(0.1)
    print("Vigilante: me despido")  # nunca llega aquí


def trabajar():
    print("Normal: empiezo")
    time.sleep(NORMAL_WORK)
    print("Normal: terminé")


# Los daemons permiten que el programa termine aunque el hilo esté activo
vigilante = threading.Thread(target=vigilar, name="Vigilante", daemon=True)
normal = threading.Thread(target=trabajar, name="Normal")
vigilante.start()
normal.start()
print("MainThread llegó al final; el programa espera a Normal, no a Vigilante")
