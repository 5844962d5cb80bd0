"""Connection profiles: the pane, live switching, the editor, the model picker and discovery."""
