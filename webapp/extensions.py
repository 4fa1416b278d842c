"""Extensions, created unbound and attached to an app by ``create_app``."""

from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

socketio = SocketIO()
csrf = CSRFProtect()
