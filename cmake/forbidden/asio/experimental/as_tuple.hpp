// Found first on the include path of a core library (chat_forbid_asio in cmake/chat_rules.cmake).
#error "the chat core and the client model cannot see Asio: move this code to chatd_net / chat_net"
