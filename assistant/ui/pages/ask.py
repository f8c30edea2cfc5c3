"""Page script run by st.navigation (see assistant/ui/app.py)."""

from assistant.ui import ask
from assistant.ui.resources import current_settings

ask.render(current_settings())
