package app.lens.session

import android.content.Context
import android.net.ConnectivityManager
import android.net.LinkProperties
import android.net.Network

/**
 * Tells the session when the phone's default network changes (Wi-Fi to mobile, a new
 * address), so that a live session restarts ICE on the new network at once instead of
 * waiting for the old path to time out. What to do about it is the core's decision.
 */
class NetworkWatch(context: Context, private val changed: () -> Unit) : AutoCloseable {
    private val connectivity = context.getSystemService(ConnectivityManager::class.java)

    /** The network and addresses last seen; the first report is the network we started on. */
    private var current: Pair<Network, List<String>>? = null

    private val callback = object : ConnectivityManager.NetworkCallback() {
        override fun onLinkPropertiesChanged(network: Network, properties: LinkProperties) {
            val seen = network to properties.linkAddresses.map { it.toString() }.sorted()
            val previous = current
            current = seen
            if (previous != null && previous != seen) changed()
        }

        override fun onLost(network: Network) {
            if (current?.first == network) changed()
        }
    }

    init {
        connectivity?.registerDefaultNetworkCallback(callback)
    }

    override fun close() {
        runCatching { connectivity?.unregisterNetworkCallback(callback) }
    }
}
