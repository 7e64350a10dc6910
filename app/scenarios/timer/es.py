import threading
import time

DELAY = 0.2  # segundos que espera cada Timer antes de llamar a la función
CANCEL = True  # ¿se cancela el segundo Timer antes de que llegue su hora?


def recordar(mensaje, veces):
    for _ in range(veces):
        print(f"Recordatorio: {mensaje}")


# El Timer ejecuta la función con los argumentos entregados luego de DELAY segundos
timer_1 = threading.Timer(DELAY, recordar, ["tomar agua", 2])
timer_2 = threading.Timer(DELAY * 2, recordar, ["estirar las piernas", 1])
timer_1.name = "Timer-agua"  # un nombre legible para su carril
timer_2.name = "Timer-piernas"
timer_1.start()
timer_2.start()
print("Timers programados; el flujo principal sigue")

time.sleep(DELAY)
if CANCEL:
    timer_2.cancel()  # todavía no llegó su hora: la función no se ejecutará
    print("Segundo recordatorio cancelado")
timer_1.join()
timer_2.join()
