module github.com/whaleim/whaleim/im-common

go 1.26

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/rabbitmq/amqp091-go v1.16.0
)
