"""Page script run by st.navigation (see assistant/ui/app.py)."""

from assistant.ui import recommend
from assistant.ui.resources import current_settings

recommend.render(current_settings())
