"""The home: floors, areas and entities, loaded from a devices file or MQTT discovery."""

from voiced.home.loader import load_home, load_home_text
from voiced.home.model import DOMAINS, Area, Entity, Floor, Home, MqttSettings

__all__ = ["DOMAINS", "Area", "Entity", "Floor", "Home", "MqttSettings", "load_home", "load_home_text"]
