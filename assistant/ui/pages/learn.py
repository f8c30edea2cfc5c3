"""Page script run by st.navigation (see assistant/ui/app.py)."""

from assistant.ui import learn
from assistant.ui.resources import current_settings

learn.render(current_settings())
