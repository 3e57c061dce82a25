// HeraldChannelKit
