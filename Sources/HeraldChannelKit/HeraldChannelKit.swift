// HeraldChannelKit: the SDK every channel plugin is written with (runner,
// HTTP and SMTP over libcurl). It arrives with the reminder engine; the module
// exists now so the package layout, and its libcurl link, are in place.
import CCurlShims
