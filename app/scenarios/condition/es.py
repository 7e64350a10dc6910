import threading
import time

ORDERS = 4  # cuántos pedidos trae el mesero
COOKS = 2  # cuántos cocineros esperan pedidos

pedidos = []
cerrado = False
condicion = threading.Condition()  # un candado más una sala de espera


def cocinar():
    nombre = threading.current_thread().name
    while True:
        with condicion:
            # Es lo mismo que: while not (pedidos or cerrado): condicion.wait()
            # wait suelta el candado mientras espera y lo vuelve a tomar al despertar
            condicion.wait_for(lambda: pedidos or cerrado)
            if not pedidos:
                break
            pedido = pedidos.pop(0)
        print(f"{nombre} cocina {pedido}")  # cocina sin el candado: el mesero puede seguir
        time.sleep(0.05)
    print(f"{nombre} se va: la cocina cerró")


def atender():
    global cerrado
    for i in range(ORDERS):
        time.sleep(0.04)
        with condicion:  # el estado compartido solo se cambia con el candado tomado
            pedidos.append(f"pedido-{i + 1}")
            print(f"Mesero trae pedido-{i + 1}")
            condicion.notify()  # despierta a un cocinero que espera
    with condicion:
        cerrado = True
        condicion.notify_all()  # despierta a todos: tienen que enterarse del cierre


hilos = [threading.Thread(target=cocinar, name=f"Cocinero-{i + 1}") for i in range(COOKS)]
hilos.append(threading.Thread(target=atender, name="Mesero"))
for hilo in hilos:
    hilo.start()
for hilo in hilos:
    hilo.join()
