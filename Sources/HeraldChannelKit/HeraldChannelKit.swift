// HeraldChannelKit: the SDK every Herald channel plugin is written with.
//
// A channel author conforms one type to ``ChannelPlugin`` and calls
// ``ChannelMain/run(plugin:options:)`` from the program's entry point; the
// ``ChannelRunner`` does the rest of the channel protocol.

// The plugin API is expressed in the bus contract's types (`Herald_V1_Delivery`
// and friends), so a channel needs only `import HeraldChannelKit` to use them.
@_exported import HeraldProto

// libcurl, for the HTTP and SMTP clients channels send with. Importing CCurl
// here is what links libcurl (its module map says `link "curl"`); importing
// only the C shims would leave their calls unresolved at link time.
import CCurl
import CCurlShims
