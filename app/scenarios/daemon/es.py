import threading
import time

NORMAL_WORK = 0.3  # segundos que trabaja el hilo normal
DAEMON = True  # ¿Vigilante es daemon? Con False, el programa también lo espera


def vigilar():
    # Cinco rondas de 0.1 s: dura más que Normal con los valores por defecto
    for ronda in range(1, 6):
        print(f"Vigilante: ronda {ronda}")
        time.sleep(0.1)
    print("Vigilante: terminé mis rondas")  # un daemon cortado nunca llega aquí


def trabajar():
    print("Normal: empiezo")
    time.sleep(NORMAL_WORK)
    print("Normal: terminé")


# Los daemons permiten que el programa termine aunque el hilo esté activo
vigilante = threading.Thread(target=vigilar, name="Vigilante", daemon=DAEMON)
normal = threading.Thread(target=trabajar, name="Normal")
vigilante.start()
normal.start()
# Sin join(): el código principal termina aquí, pero el programa no
print(f"{threading.current_thread().name} llegó al final; ¿Vigilante es daemon? {vigilante.daemon}")
