"""Pure logic shared by the Rasa server and the action server; never imports Rasa."""
