"""Page script run by st.navigation (see assistant/ui/app.py)."""

from assistant.ui import library
from assistant.ui.resources import current_settings

library.render(current_settings())
