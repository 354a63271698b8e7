"""Flask extensions, created unbound and bound in :func:`queue_service.app.create_app`."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from queue_service.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()
