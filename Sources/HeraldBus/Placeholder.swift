// HeraldBus
