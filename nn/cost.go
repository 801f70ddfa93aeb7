package nn

// Cost is the multiply-add and parameter count of one part of a network and the shape of its
// output. Multiply-adds count one per weight use in convolutions and fully connected layers;
// pooling, activations and folded BatchNorm are free.
type Cost struct {
	Name   string `json:"name"`
	MACs   int64  `json:"macs"`
	Params int64  `json:"params"`
	OutC   int    `json:"out_channels"`
	OutH   int    `json:"out_height"`
	OutW   int    `json:"out_width"`
}
