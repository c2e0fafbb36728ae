package io.kvpool.client;

/**
 * The Aeron data path over UDP on loopback, through a media driver of the client's own (as a host off the CXL
 * fabric would run it).
 */
class AeronUdpTransportConformanceTest extends AeronIpcTransportConformanceTest
{
    @Override
    String managerEndpoint()
    {
        return "udp";
    }
}
