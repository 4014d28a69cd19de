"""When a visit begins, and the message the web page sends for someone who comes back.

The page (web/chat.js) sends REOPENED_INTENT by itself when it restores a conversation whose
last message is VISIT_GAP_HOURS old or more, so that Ember can greet the person before they
type anything. It is never shown as something the person said.
"""

# A visit starts after this many hours without a message.
VISIT_GAP_HOURS = 6
REOPENED_INTENT = "chat_reopened"
