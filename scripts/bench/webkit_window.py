"""The start-up baseline for scripts/startup.sh: a bare WebKitGTK window (GTK 3, WebKit2 4.1,
the same engine and size as the app's) showing one URL. Run with Debian's /usr/bin/python3,
which has the GObject bindings (python3-gi, gir1.2-webkit2-4.1)."""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

window = Gtk.Window(title="WebKitGTK baseline")
window.set_default_size(1100, 760)
view = WebKit2.WebView()
window.add(view)
view.load_uri(sys.argv[1])
window.connect("destroy", Gtk.main_quit)
window.show_all()
Gtk.main()
